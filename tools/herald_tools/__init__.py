"""Herald's script helpers: the load generators, analyses and reports behind scripts/ (chaos,
soak, bench-*), as a package of small modules run with `python3 -m herald_tools.<script>`.

Python 3 standard library only: CI and a fresh Debian machine have python3 and nothing
pip-installed, so nothing here may need more."""
