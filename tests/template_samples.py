"""Template texts several test modules start from (plain data, no fixtures)."""

from __future__ import annotations

# The smallest valid template: a background colour and a title box. Tests add keys to it
# or replace one value to make the template they need.
MINIMAL = """
[background]
color = "#123456"
[title]
x = 10
y = 10
width = 500
"""
