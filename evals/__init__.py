"""The evaluation set: questions over the sample shop with gold SQL, and hostile prompts, run through the real
agent (`python -m evals`; see __main__.py). Scored by execution accuracy and safety (scoring.py)."""
