"""Work lists: what is due and overdue for each officer, the chief's desk and
the health team, raised daily from cases, contacts and commitments, and by
plugins."""
