# bash completion for dvel-ctl(8).
#
# Copyright (c) 2026 The dvel authors.
# Licensed under the Apache License, Version 2.0.
#
# Completes global and command options, command names, EVC names (from
# "dvel-ctl list-evcs"), lane names (from "dvel-ctl list-lanes EVC"),
# policies, the NAME= arguments of add-evc and add-lane, and table names.
# A --db option already on the command line is used for the queries.

_dvel_ctl_commands="init show add-evc del-evc list-evcs set-policy pin-lane
unpin-lane add-lane del-lane list-lanes list find get set add remove clear
create destroy wait-until comment"

_dvel_ctl_options="--db= --wait --no-wait --dry-run --oneline --timeout=
--no-syslog --help --version --commands --options --verbose --log-file
--format= --data= --no-headings --pretty --bare --columns=
--max-column-width= --may-exist --if-exists --id= --all --force
--private-key= --certificate= --ca-cert= --peer-ca-cert="

_dvel_ctl_policies="preference lowest-delay lowest-loss max-throughput manual"

_dvel_ctl_tables="Dvel_Global EVC Lane"

# _dvel_ctl_query [--db=SERVER] COMMAND [ARG...]: runs dvel-ctl quietly,
# giving up quickly if the database cannot be reached.
_dvel_ctl_query () {
    dvel-ctl --timeout=5 "$@" 2>/dev/null
}

_dvel_ctl () {
    local line=${COMP_LINE:0:$COMP_POINT}
    local -a words
    local cur=

    # Split the line up to the cursor on white space ourselves, so that
    # "policy=man" is one word whatever COMP_WORDBREAKS says.
    read -r -a words <<< "$line"
    if [[ $line != *[[:space:]] && ${#words[@]} -gt 0 ]]; then
        cur=${words[${#words[@]}-1]}
        unset 'words[${#words[@]}-1]'
    fi

    # Find the --db option, the current command and its arguments.
    local -a db_args=() args=()
    local command= i word
    for ((i = 1; i < ${#words[@]}; i++)); do
        word=${words[i]}
        if [[ $word == -- ]]; then
            command=
            args=()
        elif [[ -n $command ]]; then
            args+=("$word")
        else
            case $word in
                --db=*)
                    db_args=("$word")
                    ;;
                --db)
                    db_args=("--db=${words[i+1]}")
                    ((i++))
                    ;;
                -t|--timeout|-f|--format|-d|--data)
                    # An option whose value is the next word.
                    ((i++))
                    ;;
                -*)
                    ;;
                *)
                    command=$word
                    ;;
            esac
        fi
    done

    local candidates=
    if [[ $cur == -* ]]; then
        candidates=$_dvel_ctl_options
    elif [[ -z $command ]]; then
        candidates=$_dvel_ctl_commands
    else
        local n=${#args[@]}
        case $command:$n in
            del-evc:0|list-lanes:0|set-policy:0|pin-lane:0|unpin-lane:0|\
            add-lane:0|del-lane:0)
                candidates=$(_dvel_ctl_query "${db_args[@]}" list-evcs)
                ;;
            set-policy:1)
                candidates=$_dvel_ctl_policies
                ;;
            pin-lane:1|del-lane:1)
                candidates=$(_dvel_ctl_query "${db_args[@]}" \
                                             list-lanes "${args[0]}")
                ;;
            add-evc:[3-9])
                if [[ $cur == policy=* ]]; then
                    candidates=$(printf 'policy=%s ' $_dvel_ctl_policies)
                else
                    candidates="c-vlan= policy="
                fi
                ;;
            add-lane:[3-9])
                candidates="vlan= key= preference= probe-interval="
                ;;
            list:0|find:0|get:0|set:0|add:0|remove:0|clear:0|create:0|\
            destroy:0|wait-until:0)
                candidates=$_dvel_ctl_tables
                ;;
            list:1|get:1|set:1|add:1|remove:1|clear:1|destroy:1|\
            wait-until:1)
                case ${args[0],,} in
                    evc)
                        candidates=$(_dvel_ctl_query "${db_args[@]}" \
                                                     list-evcs)
                        ;;
                    dvel_global|dvel-global)
                        candidates=.
                        ;;
                esac
                ;;
        esac
    fi

    local IFS=$'\n'
    COMPREPLY=($(IFS=$' \t\n'; compgen -W "$candidates" -- "$cur"))

    # Bash completes only the part of the word after the last character in
    # COMP_WORDBREAKS (usually "=" and ":"), so strip what comes before it.
    local prefix=${cur%"${cur##*[$COMP_WORDBREAKS]}"}
    if [[ -n $prefix ]]; then
        COMPREPLY=("${COMPREPLY[@]#"$prefix"}")
    fi

    # Do not add a space after an option or argument that wants a value.
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}

complete -F _dvel_ctl dvel-ctl
