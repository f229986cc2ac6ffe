package api

// Routes lists the method and pattern of every route, for the OpenAPI test.
func Routes() [][2]string {
	out := make([][2]string, len(routes))
	for i, r := range routes {
		out[i] = [2]string{r.method, r.pattern}
	}
	return out
}
