"""Sphinx configuration: ``python -m sphinx -W -b html docs docs/_build/html``."""

import sklearn_groove

project = "sklearn_groove"
author = "the sklearn_groove developers"
release = version = sklearn_groove.__version__
extensions = ["sphinx.ext.autodoc", "numpydoc", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    # scikit-learn's metadata-routing setters, generated on every estimator
    "exclude-members": "set_fit_request, set_predict_request, set_score_request, set_transform_request",
}
autodoc_typehints = "none"
html_theme = "alabaster"
suppress_warnings = ["myst.header"]
