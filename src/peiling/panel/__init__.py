"""Panels: members, their profiles and consent, samples, invitation e-mail and response rates."""
