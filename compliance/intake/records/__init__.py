"""Reading record extracts and aggregating them into the counts a return carries.

This lives in *intake*, not in evaluation: what it does is turn files into the same facts a
hand-made return gives (how many WNBs, how many reviewed in time with the window in force), which
the evaluator then judges exactly as it judges a return. It never decides met or not met. The
windows, ages and intervals it counts with are handed to it as plain numbers (a `Windows`), so
intake need not know the rule catalogue; the app layer takes them from the rules and profile.
"""
