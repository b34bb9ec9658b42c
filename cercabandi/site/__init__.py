"""The public website of projects and good practices: static, accessible, Italian.

``public.py`` is the one gate between the store and the public: it turns applications into
``PublicProject`` records that hold only what may be published. ``render.py`` writes pages from
those records alone (pure: it returns files, the flow writes them).
"""
