package apitest

import "net/http"

func (s *Server) controlAPI() http.Handler { return http.NotFoundHandler() }
