"""A worker that runs under every start method.

It is a module-level function, so spawn and forkserver can pickle it by name and the child can
import it again; its argument is a plain int, which pickles too.
"""


def square(x: int) -> None:
    print(f"{x} squared is {x * x}")
