module github.com/tmtmock/tmtmock/go/tmtmocktest

go 1.19
