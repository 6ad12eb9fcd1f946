"""The test suite (a regular package: site-packages may hold a top-level ``tests`` package of some dependency, e.g.
pyranges, which would otherwise shadow this folder in ``from tests.conftest import ...``)."""
