"""Fieldwork: fieldwork periods, personal links and open links, respondent pages, responses."""
