"""E-mail digests of matches, changes and deadlines.

``gather`` reads what a subscription may be told from the database, ``build`` turns
it into a digest (pure: no database, no clock), ``render`` writes it as an e-mail
(Jinja2: HTML and text parts, ICS attachment), ``send`` hands it to SMTP or to an
outbox folder, and ``service.run_digests`` does all of it idempotently, one delivery
per recipient and period.
"""
