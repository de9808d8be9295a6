// Each test runs several silo processes on two cores; run them one at a time so one test's load is not another's stall.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
