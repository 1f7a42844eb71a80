# Part of every code version: bump with pyproject.toml's version (a test checks they agree).
__version__ = "0.1.0"
