"""Checks the sample notebooks and their util package; prints a JSON report, exits 1 on any problem.

usage: check_notebooks.py NOTEBOOK_DIR ALLOWED_ENVIRONMENT_NAME...

- every notebook is valid nbformat v4 with no stored outputs or execution counts;
- code cells (magics and shell escapes aside) and every .py file compile under Python 3;
- names imported from sagemaker_environment are ones the lifecycle configuration writes;
- no URL fetched at run time points outside the project network (no http(s) URL in code at all).
"""

import ast
import json
import pathlib
import re
import sys

import nbformat

URL = re.compile(r"https?://")


def python_source(cell_source):
    """The Python in a code cell: line magics and shell escapes dropped, %%writefile bodies kept as files."""
    lines = cell_source.splitlines()
    if lines and lines[0].startswith("%%"):
        return "\n".join(lines[1:]) if lines[0].startswith("%%writefile") else ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def environment_imports(tree):
    return [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "sagemaker_environment"
        for alias in node.names
    ]


def check(folder, allowed):
    problems = []
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        problems.append(f"{folder}: no notebooks")
    for path in notebooks:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if nb.nbformat != 4:
            problems.append(f"{path.name}: nbformat {nb.nbformat}, expected 4")
        try:
            nbformat.validate(nb)
        except nbformat.ValidationError as error:
            problems.append(f"{path.name}: invalid notebook: {error.message}")
        for index, cell in enumerate(nb.cells):
            where = f"{path.name} cell {index}"
            if cell.cell_type != "code":
                continue
            if cell.get("outputs"):
                problems.append(f"{where}: stored outputs")
            if cell.get("execution_count") is not None:
                problems.append(f"{where}: stored execution count")
            if URL.search(cell.source):
                problems.append(f"{where}: a URL in code (notebooks must not fetch anything outside the project network)")
            try:
                tree = ast.parse(python_source(cell.source), filename=where)
            except SyntaxError as error:
                problems.append(f"{where}: does not compile: {error.msg} (line {error.lineno})")
                continue
            for name in environment_imports(tree):
                if name not in allowed:
                    problems.append(f"{where}: imports {name}, which the lifecycle configuration does not write")
    for path in sorted(folder.rglob("*.py")):
        try:
            compile(path.read_text(), str(path), "exec")
        except SyntaxError as error:
            problems.append(f"{path.relative_to(folder)}: does not compile: {error.msg} (line {error.lineno})")
        if URL.search(path.read_text()):
            problems.append(f"{path.relative_to(folder)}: a URL in code")
    return {"notebooks": [p.name for p in notebooks], "problems": problems}


if __name__ == "__main__":
    report = check(pathlib.Path(sys.argv[1]), set(sys.argv[2:]))
    print(json.dumps(report))
    sys.exit(1 if report["problems"] else 0)
