"""Panels: members, profiles, consent, samples, invitation e-mail, sign-up and member portal."""
