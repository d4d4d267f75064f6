"""Views over explanation records: each module renders, none computes."""
