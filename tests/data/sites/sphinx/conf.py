# A small project for tests/test_sphinx_ext.py (the test copies it; -D changes options).
project = "Example Project"
extensions = ["ogimage.sphinx"]
html_baseurl = "https://docs.example.org/"
exclude_patterns = ["_build"]
