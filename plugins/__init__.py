"""Optional modules, one package each; found through the binhyen.plugins entry points."""
