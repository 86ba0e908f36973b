"""The marketing workspace's pages: performance.py (landing, performance, lead flow),
campaigns.py, feedback.py (the review loop and reason analytics), plays.py."""
