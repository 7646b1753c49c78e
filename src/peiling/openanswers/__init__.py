"""Open answers: codebooks per text question, the coding of each answer (who, when, undo),
theme proposals as suggestions a person confirms, and agreement between coders."""
