"""Optional modules, one package each.

Found through the ``binhyen.plugins`` entry points, the built-in ones too.
"""
