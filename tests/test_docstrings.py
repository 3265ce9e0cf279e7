"""numpydoc validation of the public estimators' docstrings.

Both estimators build their Parameters section from one table
(``sklearn_dymo._params.PARAMETERS``); this checks that every constructor
parameter is documented with a type and a description, and that the
public methods follow numpydoc.
"""

import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

from sklearn_dymo import DyMoClassifier, DyMoRegressor  # noqa: E402
from sklearn_dymo._params import PARAMETERS  # noqa: E402

# Checks scikit-learn's own docstring test leaves out as well: the summary
# style rules (GL08 for private members, ES01 extended summaries, SA01 See
# Also, EX01 examples on every method, RT02/RT03 for self-evident returns).
IGNORED = {"GL08", "ES01", "SA01", "EX01", "SS05", "RT02", "RT03", "PR09", "SS03",
           "GL01", "GL02", "RT05", "SS06"}

ESTIMATORS = [DyMoClassifier, DyMoRegressor]


def _errors(name):
    result = numpydoc_validate.validate(name)
    return [(code, msg) for code, msg in result["errors"] if code not in IGNORED]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_class_docstring_documents_every_parameter(estimator):
    assert _errors(f"sklearn_dymo.{estimator.__name__}") == []


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_public_methods_follow_numpydoc(estimator):
    methods = [n for n, m in inspect.getmembers(estimator, inspect.isfunction)
               if not n.startswith("_") and m.__module__.startswith("sklearn_dymo")]
    assert methods
    for method in methods:
        assert _errors(f"sklearn_dymo.{estimator.__name__}.{method}") == [], method


def test_every_constructor_parameter_is_declared_once():
    for estimator in ESTIMATORS:
        names = set(inspect.signature(estimator).parameters)
        assert names <= set(PARAMETERS)
        assert set(estimator._parameter_constraints) == names


def test_shared_parameters_read_the_same_in_both_docstrings():
    from numpydoc.docscrape import NumpyDocString

    docs = [{p.name: p for p in NumpyDocString(e.__doc__)["Parameters"]}
            for e in ESTIMATORS]
    task_specific = {name for name, p in PARAMETERS.items() if p.by_task}
    shared = set(docs[0]) & set(docs[1])
    assert len(shared) > 40
    for name in shared - task_specific:
        assert docs[0][name].type == docs[1][name].type, name
        assert docs[0][name].desc == docs[1][name].desc, name
