module minimal

go 1.24
