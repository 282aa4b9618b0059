"""Executes a notebook headless with nbclient (Debian's python3-nbclient), papermill-style.

Usage: run_notebook.py IN.ipynb OUT.ipynb PARAMETERS_JSON [KERNEL] [TIMEOUT_SECONDS]
The parameters are injected in a new cell (tagged "injected-parameters") after the cell tagged
"parameters" (or first). The executed notebook is written even when a cell fails; exit code 1 then.
"""
import json
import keyword
import sys

import nbclient
import nbformat


def assignments(params, language):
    lines = []
    for name, value in params.items():
        # Names are identifiers (the gateway checks it too); values go in as JSON literals, never as code.
        if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
            raise ValueError(f"parameter name {name!r} is not an identifier")
        text = json.dumps(value)
        if language in ("typescript", "javascript"):
            lines.append(f"{name} = {text};")
        else:
            lines.append(f"{name} = json.loads({json.dumps(text)})")
    if language not in ("typescript", "javascript") and lines:
        lines.insert(0, "import json")
    return "\n".join(lines)


def main():
    src, out, params_json = sys.argv[1], sys.argv[2], sys.argv[3]
    kernel = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    timeout = int(sys.argv[5]) if len(sys.argv) > 5 else 600
    nb = nbformat.read(src, as_version=4)
    params = json.loads(params_json)
    kernel = kernel or nb.metadata.get("kernelspec", {}).get("name", "python3")
    language = nb.metadata.get("kernelspec", {}).get("language") or ("typescript" if kernel == "tslab" else "python")
    if params:
        index = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), -1)
        cell = nbformat.v4.new_code_cell(assignments(params, language), metadata={"tags": ["injected-parameters"]})
        nb.cells.insert(index + 1, cell)
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name=kernel, resources={"metadata": {"path": sys.argv[6] if len(sys.argv) > 6 else "."}})
    code = 0
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        print(str(error).splitlines()[-1] if str(error) else "a cell failed", file=sys.stderr)
        code = 1
    except Exception as error:  # kernel missing, timeout...
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        code = 1
    nbformat.write(nb, out)
    sys.exit(code)


if __name__ == "__main__":
    main()
