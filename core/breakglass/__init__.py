"""Break-glass access: time-limited, reasoned, approved access to one file of
a commune by someone who does not serve there (a region admin, an officer of
another commune)."""
