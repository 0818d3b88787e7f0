"""The Dash app: a linked map and timeline over a geocoded events dataset."""
