"""gradsh against PyTorch's own test databases: op_db, module_db and optim_db.

Each runner (ops.py, modules.py, optimizers.py; optimizer_errors.py and schedulers.py for optim_db's
error inputs and LR schedulers) takes one database entry and one dtype, runs the entry's own samples on
real PyTorch and on a backend (gradsh.torch; any module with torch's names), and returns a Verdict
(outcome.py). entries.py reads the checked-in list of entries that must pass (must_pass.txt) and
lists every entry of the three databases; tests/test_parity_db.py turns each listed line into a test and
scripts/parity_status.py runs them all to show what the list can gain and what it lost.

The comparisons are those of the measuring tools in ../shared/tools (opinfo_parity.py and its sisters),
written again here so that the test suite needs nothing outside the repository. Importing this package
needs real torch==2.13.0 and expecttest (PyTorch's test databases import it).
"""
