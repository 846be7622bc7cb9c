"""Reintegration support (hỗ trợ tái hòa nhập): the help a person gets back
into ordinary life (work, training, loans, insurance, legal aid,
counselling) and how it went."""
