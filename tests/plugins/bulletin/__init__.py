"""Tests of the bulletin, the reference plugin."""
