"""Commitments (bản cam kết): undertakings signed by a person or their family,
reviewed on a date, with the breaches recorded against them and the signed
paper attached as scans."""
