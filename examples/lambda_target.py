"""A lambda as a process target.

fork copies the parent and pickles nothing, so the lambda just runs. spawn and forkserver must
pickle the target to send it to a fresh interpreter, and pickle saves a function by its name --
a lambda's name is ``<lambda>``, which cannot be looked up -- so ``Process.start()`` raises in
the parent.
"""

square = lambda x: print(f"{x} squared is {x * x}")  # noqa: E731 -- the lambda is the lesson
