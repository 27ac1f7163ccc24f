"""ogimage: Open Graph card images with real typesetting.

    >>> import ogimage
    >>> png = ogimage.render({"title": "Hello"}, template="plain")
"""

from __future__ import annotations

__version__ = "0.1.0"
