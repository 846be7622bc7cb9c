"""Mentoring (kèm cặp): the officer responsible for each person, and their
contacts: visits, calls, meetings and messages."""
