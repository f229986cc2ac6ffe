package api

import (
	_ "embed"

	"github.com/valyala/fasthttp"
)

// openapiDoc is the API's OpenAPI 3.1 document; TestOpenAPI checks it
// against routes.
//
//go:embed openapi.json
var openapiDoc []byte

func (a *API) openapi(ctx *fasthttp.RequestCtx, _ []string) *Error {
	ctx.SetContentType("application/json")
	ctx.SetBody(openapiDoc)
	return nil
}
