"""A person's timeline: what happened in their file, from core's records and
from every plugin the commune has enabled, in one dated list."""
