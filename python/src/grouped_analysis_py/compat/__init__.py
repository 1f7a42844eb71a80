"""Shims that let scripts written for the lab's existing tools run as grouped-analysis plugins
with only their import lines changed (see python/README.md, "Porting an upstream script")."""
