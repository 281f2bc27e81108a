module velarun/oracle

go 1.22
