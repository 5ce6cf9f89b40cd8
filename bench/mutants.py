"""How many small mutations of a module its tests let through.

    python bench/mutants.py harvester/http.py harvester/httpwords.py \
        -- tests/test_http.py tests/test_http_cases.py

Each mutant changes one thing in one module (a comparison, a number, a boolean operator,
``in``/``not in``, a string that is not a docstring, a constant True/False/None), then the
given tests run against it; a mutant "survives" when they still pass. The module is
written back unchanged afterwards, also on Ctrl-C. Prints one line per survivor and the
survival rate per module: a measure of how much of the code the tests pin down.
"""

from __future__ import annotations

import argparse
import ast
import copy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SWAP_COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_SWAP_BINOP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _mutations(node: ast.AST, skip: set[int]) -> Iterator[tuple[str, ast.AST]]:
    """(description, replacement node) for every mutation of ``node`` itself."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swapped = _SWAP_COMPARE.get(type(op))
            if swapped is not None:
                compare = copy.deepcopy(node)
                compare.ops[i] = swapped()
                yield f"{type(op).__name__} -> {swapped.__name__}", compare
    elif isinstance(node, ast.BinOp) and type(node.op) in _SWAP_BINOP:
        binop = copy.deepcopy(node)
        binop.op = _SWAP_BINOP[type(node.op)]()
        yield f"{type(node.op).__name__} -> {type(binop.op).__name__}", binop
    elif isinstance(node, ast.BoolOp):
        boolop = copy.deepcopy(node)
        boolop.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield f"{type(node.op).__name__} -> {type(boolop.op).__name__}", boolop
    elif isinstance(node, ast.Constant) and id(node) not in skip:
        value = node.value
        if isinstance(value, bool):
            yield f"{value} -> {not value}", ast.Constant(not value)
        elif isinstance(value, int | float):
            yield f"{value!r} -> {value + 1!r}", ast.Constant(value + 1)
        elif isinstance(value, str) and value:
            yield f"{value[:30]!r} -> 'XX…'", ast.Constant("XX" + value)


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST) -> None:
        self.target, self.replacement = target, replacement

    def visit(self, node: ast.AST) -> ast.AST:
        if node is self.target:
            return ast.copy_location(self.replacement, node)
        visited: ast.AST = super().visit(node)
        return visited


def mutants(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, description, mutated source) for every mutant of ``source``."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    # Annotations and f-string pieces mutate nothing that runs; leave them alone.
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr | ast.AnnAssign | ast.arg):
            for inner in ast.walk(node.annotation if isinstance(node, ast.AnnAssign) else node):
                skip.add(id(inner))
        if isinstance(node, ast.FunctionDef) and node.returns is not None:
            for inner in ast.walk(node.returns):
                skip.add(id(inner))
    targets = [n for n in ast.walk(tree) if hasattr(n, "lineno")]
    for target in targets:
        for description, replacement in _mutations(target, skip):
            # Replace in a fresh copy, finding the node by its position in the walk.
            fresh = copy.deepcopy(tree)
            index = targets.index(target)
            fresh_target = [n for n in ast.walk(fresh) if hasattr(n, "lineno")][index]
            mutated = _Replace(fresh_target, replacement).visit(fresh)
            yield target.lineno, description, ast.unparse(ast.fix_missing_locations(mutated))


def _tests_pass(tests: list[str], timeout: float) -> bool:
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return False  # a mutant that hangs the tests (an endless loop) is caught by them
    return result.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="+", help="modules to mutate, then -- and the tests")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        help="seconds one test run may take; a mutant that runs longer is counted as killed",
    )
    argv = sys.argv[1:]
    if "--" not in argv:  # argparse would swallow the --, so split by hand
        parser.error("give the tests after --")
    cut = argv.index("--")
    args, tests = parser.parse_args(argv[:cut]), argv[cut + 1 :]
    if not tests:
        parser.error("give the tests after --")
    if not _tests_pass(tests, args.timeout):
        print("the tests fail on the unmutated code", file=sys.stderr)
        return 1
    for module in args.modules:
        path = ROOT / module
        original = path.read_text(encoding="utf-8")
        total = survived = 0
        try:
            for line, description, source in mutants(original):
                path.write_text(source, encoding="utf-8")
                total += 1
                if _tests_pass(tests, args.timeout):
                    survived += 1
                    print(f"  survived {module}:{line}: {description}", flush=True)
        finally:
            path.write_text(original, encoding="utf-8")
        share = survived / total if total else 0.0
        print(f"{module}: {survived} of {total} mutants survived ({share:.0%})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
