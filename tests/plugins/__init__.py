"""Tests of the plugins, one package each, mirroring plugins/."""
