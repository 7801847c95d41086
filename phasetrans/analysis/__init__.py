"""Analysis of studies: xarray in, xarray out, never torch.

Statistics layer, used by everything below:

``samples``       the error model: means and standard errors over one or two
                  levels of samples (students; teachers and their students)
``describe``      mean ± error over the disorder, as every face shows it
``bootstrap``     resampling (one- and two-level) and percentile intervals
``disorder``      disorder averages, susceptibility, Binder cumulant
``estimate``      the Estimate record of a fitted parameter; ``parameter_text``
                  how fits and collapses show them (± a standard error, the
                  bootstrap beside it, edge flags, strong correlations)

Transition analyses:

``observables``   study -> observables of the transition and collapse inputs
``scaling``       finite-size-scaling collapse (subpackage)
``exponents``     transition models, fits and their comparison (subpackage)

Structure of the networks: ``order_parameters``, ``matching``, ``pruned``,
``topology``, ``paths``, ``graph``.  Input checks: ``validation``; every entry
point taking a study accepts a selection of one (``ds.sel(training=...)``,
``selection``).  For the
faces: ``attrs`` (labels without markup or a unit of "1"), ``progress`` (bars
that never warn), ``defaults`` (the slices and thresholds every face shares).
"""
