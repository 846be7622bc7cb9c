"""Statistics and reports: a commune's figures, hot spots, the protected
figures regions read, and the periodic reports sent upward."""
