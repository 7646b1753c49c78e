"""The public panel site: articles on a panel's results, categories, reactions, feeds."""
