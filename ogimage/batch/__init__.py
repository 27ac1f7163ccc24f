"""``ogimage batch`` and ``ogimage meta``: cards for static sites, rendered at build time.

- :mod:`.sources` finds the Markdown files (paths, folders, globs, include/exclude).
- :mod:`.frontmatter` reads one file's front matter (YAML, TOML through ``tomllib``, JSON).
- :mod:`.runner` renders jobs on every core and writes outputs atomically.
- :mod:`.manifest` records what was rendered, so a rerun skips what has not changed.
- :mod:`.progress` shows a bar on a terminal and one line per file elsewhere.
- :mod:`.watch` re-renders pages as they change.
- :mod:`.cli` adds the ``batch`` and ``meta`` subcommands.

The page → card mapping itself lives in :mod:`ogimage.pages` (shared with the plugins).
"""
