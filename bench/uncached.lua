-- wrk script for bench/serve_load.py: every request gets a query string of its own
-- (`bench-nocache=<run>-<thread>-<n>`), so no page cache can answer it and each request is a
-- fresh render. The views ignore parameters they do not know.
-- Usage: wrk ... -s bench/uncached.lua URL -- RUN_ID

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  run_id = args[1] or tostring(os.time())
  counter = 0
  if string.find(wrk.path, "?", 1, true) then
    separator = "&"
  else
    separator = "?"
  end
end

function request()
  counter = counter + 1
  local path = wrk.path .. separator .. "bench-nocache=" .. run_id .. "-" .. thread_number .. "-" .. counter
  return wrk.format(nil, path)
end
