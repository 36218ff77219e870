"""Getting inputs in safely: reading documents with bounds, validating them with located errors,
finding the returns a command was pointed at, and writing files atomically."""
