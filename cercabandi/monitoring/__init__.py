"""After the match: applications in network, monitoring of funded projects, reporting.

Pure: rules (status moves, date order, reminder windows), the update-file format and the
open-data mappings, and the dashboard's aggregation. No database, no clock (``today`` and
``now`` are passed in), no file I/O (``flows`` reads files and writes the store).
"""
