"""Analysis of studies: xarray in, xarray out, never torch.

Statistics layer, used by everything below:

``samples``       the error model: means and standard errors over one or two
                  levels of samples (students; teachers and their students)
``describe``      mean ± error over the disorder, as every face shows it
``bootstrap``     resampling (one- and two-level) and percentile intervals
``disorder``      disorder averages, susceptibility, Binder cumulant

Transition analyses:

``observables``   study -> observables of the transition and collapse inputs
``scaling``       finite-size-scaling collapse (subpackage)
``exponents``     transition models, fits and their comparison (subpackage)

Structure of the networks: ``order_parameters``, ``matching``, ``pruned``,
``topology``, ``paths``, ``graph``.  Input checks: ``validation``.
"""
