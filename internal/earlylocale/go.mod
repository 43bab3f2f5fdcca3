module early.localsigner.invalid/earlylocale

go 1.26.8
