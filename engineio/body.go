package engineio

import (
	"io"

	"github.com/valyala/fasthttp"
)

// drainLimit bounds what ReadBody reads of a body it refuses.
const drainLimit = 8 << 20

// ReadBody returns ctx's request body if it holds at most limit bytes,
// without buffering more. The server streams bodies over its own limit
// instead of reading them. A larger body is refused with ErrBodyTooLarge.
// What is left of it, up to drainLimit bytes, is read and dropped, and the
// connection closes after the answer. The client is still sending the
// body. A socket closed with unread bytes resets the connection, and the
// reset can destroy the answer (a 413) before the client reads it: the
// client would see "connection reset" instead. The body is valid until
// the handler returns.
func ReadBody(ctx *fasthttp.RequestCtx, limit int) ([]byte, error) {
	if !ctx.Request.IsBodyStream() {
		if body := ctx.PostBody(); len(body) <= limit {
			return body, nil
		}
		return nil, ErrBodyTooLarge
	}
	if ctx.Request.Header.ContentLength() > limit {
		refuseBody(ctx)
		return nil, ErrBodyTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(ctx.RequestBodyStream(), int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(body) > limit {
		refuseBody(ctx)
		return nil, ErrBodyTooLarge
	}
	return body, nil
}

func refuseBody(ctx *fasthttp.RequestCtx) {
	ctx.SetConnectionClose()
	_, _ = io.Copy(io.Discard, io.LimitReader(ctx.RequestBodyStream(), drainLimit))
}
