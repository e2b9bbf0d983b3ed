-- POST /echo with a small valid body: wrk --script bench/lua/echo.lua http://HOST:PORT/echo
wrk.method = "POST"
wrk.body = '{"message":"hello, lockstep","metadata":{"client":"wrk","run":"bench"}}'
wrk.headers["Content-Type"] = "application/json"
