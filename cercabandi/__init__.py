"""cercabandi: funding calls for the projects of the comuni of the Città metropolitana di Milano."""
